package auth

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/golang-jwt/jwt/v5"
)

// Token error messages (docs/graphql.md, Identity; docs/auth.md, refreshToken).
const (
	MsgSignatureExpired  = "Signature has expired"
	MsgDecodingSignature = "Error decoding signature"
	MsgInvalidToken      = "Invalid token"
	MsgInvalidPayload    = "Invalid payload"
	MsgUserDisabled      = "User is disabled"
	MsgTokenRequired     = "Token is required"
	MsgOrigIatRequired   = "origIat field is required"
	MsgRefreshExpired    = "Refresh has expired"
	MsgInvalidCreds      = "Please enter valid credentials"
)

// unauthorized returns the EUNAUTHORIZED error with msg.
func unauthorized(msg string) *edusphere.Error {
	return edusphere.Errorf(edusphere.EUNAUTHORIZED, "%s", msg)
}

// Claims are an access token's claims, in the order they are encoded:
// {"email": …, "exp": …, "origIat": …}.
type Claims struct {
	Email   string `json:"email"`
	Exp     int64  `json:"exp"`
	OrigIat int64  `json:"origIat"`
}

// Map returns the claims as a map for GenericScalar payloads.
func (c Claims) Map() map[string]any {
	return map[string]any{"email": c.Email, "exp": c.Exp, "origIat": c.OrigIat}
}

// jwtClaims adapts Claims to jwt.Claims for signing; the JSON encoding of
// the struct keeps the field order.
type jwtClaims struct{ Claims }

func (c jwtClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Exp, 0)), nil
}
func (c jwtClaims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c jwtClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c jwtClaims) GetIssuer() (string, error)              { return "", nil }
func (c jwtClaims) GetSubject() (string, error)             { return "", nil }
func (c jwtClaims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }
func (c jwtClaims) MarshalJSON() ([]byte, error)            { return json.Marshal(c.Claims) }

// sign returns the HS256 token for c.
func (s *Service) sign(c Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims{c}).SignedString(s.cfg.SigningKey)
}

// issue returns a token for email in session origIat, valid AccessTTL from now.
func (s *Service) issue(email string, origIat int64) (string, Claims, error) {
	c := Claims{Email: email, Exp: s.now().Add(s.cfg.AccessTTL).Unix(), OrigIat: origIat}
	tok, err := s.sign(c)
	return tok, c, err
}

// decodeOptions selects what decode checks.
type decodeOptions struct {
	// allowExpired skips the exp check (logout revokes an expired token's
	// session too); the signature is always checked.
	allowExpired bool
}

// decode verifies token as PyJWT and django-graphql-jwt did, with the
// messages of docs/graphql.md, Identity: HS256 only, then iat and nbf, then exp with leeway
// 0, then the email claim. A token without exp is refused ("Invalid token"),
// where the original accepted it forever (docs/auth.md, Access tokens).
func (s *Service) decode(token string, opt decodeOptions) (Claims, error) {
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	mc := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, mc, func(t *jwt.Token) (any, error) {
		return s.cfg.SigningKey, nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return Claims{}, unauthorized(MsgDecodingSignature)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// alg missing or unknown
		return Claims{}, unauthorized(MsgInvalidToken)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// A token signed with another algorithm fails the allowed-method
		// check, which jwt reports as a bad signature; PyJWT calls it an
		// invalid algorithm, hence "Invalid token".
		if alg, ok := headerAlg(parser, token); ok && alg != jwt.SigningMethodHS256.Alg() {
			return Claims{}, unauthorized(MsgInvalidToken)
		}
		return Claims{}, unauthorized(MsgDecodingSignature)
	default:
		return Claims{}, unauthorized(MsgInvalidToken)
	}

	now := float64(s.now().UnixMicro()) / 1e6
	if _, ok := mc["exp"]; !ok {
		return Claims{}, unauthorized(MsgInvalidToken)
	}
	if v, ok := mc["iat"]; ok {
		iat, ok := pyInt(v)
		if !ok || float64(iat) > now {
			return Claims{}, unauthorized(MsgInvalidToken)
		}
	}
	if v, ok := mc["nbf"]; ok {
		nbf, ok := pyInt(v)
		if !ok {
			return Claims{}, unauthorized(MsgDecodingSignature)
		}
		if float64(nbf) > now {
			return Claims{}, unauthorized(MsgInvalidToken)
		}
	}
	exp, ok := pyInt(mc["exp"])
	if !ok {
		return Claims{}, unauthorized(MsgDecodingSignature)
	}
	if !opt.allowExpired && float64(exp) <= now {
		return Claims{}, unauthorized(MsgSignatureExpired)
	}
	email, _ := mc["email"].(string)
	if email == "" {
		return Claims{}, unauthorized(MsgInvalidPayload)
	}
	c := Claims{Email: email, Exp: exp}
	if v, ok := mc["origIat"]; ok {
		c.OrigIat, _ = pyInt(v)
	}
	return c, nil
}

// headerAlg returns the alg of token's header.
func headerAlg(p *jwt.Parser, token string) (string, bool) {
	t, _, err := p.ParseUnverified(token, jwt.MapClaims{})
	if err != nil && t == nil {
		return "", false
	}
	if t == nil || t.Header == nil {
		return "", false
	}
	alg, ok := t.Header["alg"].(string)
	return alg, ok
}

// pyInt converts a claim as Python's int() does for JSON values: numbers
// are truncated, integer strings are read, anything else fails.
func pyInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		f, err := x.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return int64(f), true
	case float64:
		return int64(x), true
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		return i, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
