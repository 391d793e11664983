package extauthz

import (
	"context"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// watchInterval is how often Watch re-reads readiness.
const watchInterval = time.Second

// health answers grpc.health.v1 from the same readiness as /health/ready, so
// that Envoy's active health checks and Kubernetes gRPC probes agree with it.
type health struct {
	healthpb.UnimplementedHealthServer
	ready func() error
}

func registerHealth(g grpc.ServiceRegistrar, ready func() error) {
	healthpb.RegisterHealthServer(g, &health{ready: ready})
}

// known: the server as a whole ("") and the Authorization service.
func known(service string) bool {
	return service == "" || service == authv3.Authorization_ServiceDesc.ServiceName
}

func (h *health) status() healthpb.HealthCheckResponse_ServingStatus {
	if h.ready() != nil {
		return healthpb.HealthCheckResponse_NOT_SERVING
	}
	return healthpb.HealthCheckResponse_SERVING
}

func (h *health) Check(_ context.Context, in *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if !known(in.GetService()) {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", in.GetService())
	}
	return &healthpb.HealthCheckResponse{Status: h.status()}, nil
}

// Watch sends the status at once and then on every change.
func (h *health) Watch(in *healthpb.HealthCheckRequest, stream grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	if !known(in.GetService()) {
		return stream.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVICE_UNKNOWN})
	}
	last := healthpb.HealthCheckResponse_UNKNOWN
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		if st := h.status(); st != last {
			if err := stream.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
				return err
			}
			last = st
		}
		select {
		case <-stream.Context().Done():
			return stream.Context().Err()
		case <-tick.C:
		}
	}
}

// List reports the status of every known service.
func (h *health) List(context.Context, *healthpb.HealthListRequest) (*healthpb.HealthListResponse, error) {
	st := &healthpb.HealthCheckResponse{Status: h.status()}
	return &healthpb.HealthListResponse{Statuses: map[string]*healthpb.HealthCheckResponse{
		"": st, authv3.Authorization_ServiceDesc.ServiceName: st,
	}}, nil
}
